// AudioWorklet: microphone (any rate) -> 16 kHz mono PCM s16le frames + a level reading.
//
// Resampling averages the input samples that fall inside each output sample's
// window (a box low-pass), which keeps speech-band energy and suppresses most
// aliasing without a heavy FIR. Frames of `frameMs` go to the main thread as
// transferable ArrayBuffers.

const TARGET_RATE = 16000;

class PcmEncoder extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = (options && options.processorOptions) || {};
    this.ratio = sampleRate / TARGET_RATE; // input samples per output sample
    this.frameSamples = Math.round((TARGET_RATE * (opts.frameMs || 100)) / 1000);
    this.frame = new Int16Array(this.frameSamples);
    this.filled = 0;
    this.pos = 0; // fractional input position of the next output sample's window start
    this.acc = 0;
    this.accCount = 0;
    this.peak = 0;
    this.sumSquares = 0;
    this.levelSamples = 0;
    this.port.onmessage = (event) => {
      if (event.data === "flush") this.flush();
    };
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const channel = input[0];
    for (let i = 0; i < channel.length; i++) {
      let sample = channel[i];
      if (input.length > 1) {
        for (let c = 1; c < input.length; c++) sample += input[c][i];
        sample /= input.length;
      }
      this.acc += sample;
      this.accCount += 1;
      this.pos += 1;
      if (this.pos >= this.ratio) {
        this.pos -= this.ratio;
        this.emit(this.acc / this.accCount);
        this.acc = 0;
        this.accCount = 0;
      }
    }
    return true;
  }

  emit(value) {
    const clamped = Math.max(-1, Math.min(1, value));
    this.frame[this.filled++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    const magnitude = Math.abs(clamped);
    if (magnitude > this.peak) this.peak = magnitude;
    this.sumSquares += clamped * clamped;
    this.levelSamples += 1;
    if (this.filled === this.frameSamples) this.flush();
  }

  flush() {
    if (this.filled === 0) return;
    const out = this.frame.slice(0, this.filled);
    const rms = Math.sqrt(this.sumSquares / Math.max(1, this.levelSamples));
    this.port.postMessage({ pcm: out.buffer, rms, peak: this.peak }, [out.buffer]);
    this.filled = 0;
    this.peak = 0;
    this.sumSquares = 0;
    this.levelSamples = 0;
  }
}

registerProcessor("pcm-encoder", PcmEncoder);
