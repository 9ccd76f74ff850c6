// Dictation: microphone -> AudioWorklet -> 16 kHz PCM over the dictation WebSocket.
//
// Protocol (DESIGN.md): start / binary frames / command / stop from here;
// ready / partial / final / command / report / error / stopped from the server.
// The socket reconnects by itself; audio captured while it is down is queued
// and sent after the next `ready`, so nothing spoken is dropped. The server
// stores each final at once, so after a reconnect the page fetches the report
// ("reconnected" event) and dictation continues where it stopped.

const MAX_QUEUED_SECONDS = 180;
const BYTES_PER_SECOND = 16000 * 2;
const FATAL_CODES = new Set(["unauthorized", "report_signed", "token_expired"]);

export class Dictation extends EventTarget {
  constructor({ token, path = "/ws/dictation", sampleRate = 16000 }) {
    super();
    this.token = token; // function returning the current bearer token
    this.path = path;
    this.sampleRate = sampleRate;
    this.state = "idle";
    this.ws = null;
    this.sessionReady = false;
    this.recording = false;
    this.reportId = null;
    this.field = null;
    this.queue = [];
    this.queuedBytes = 0;
    this.retry = 0;
    this.retryTimer = null;
    this.closing = false;
    this.audio = null;
    this.sentSeconds = 0;
    this.pendingStop = false;
  }

  setState(state, detail = "") {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, detail } }));
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  get connected() { return this.ws !== null && this.ws.readyState === WebSocket.OPEN; }

  /** Begin capturing and streaming into `field` of `reportId`. */
  async start(reportId, field) {
    if (this.recording) return;
    this.reportId = reportId;
    this.field = field;
    this.recording = true;
    this.closing = false;
    this.setState("connecting");
    try {
      await this.openMicrophone();
    } catch (error) {
      this.recording = false;
      this.setState("error", `Microphone unavailable: ${error.message || error.name}`);
      return;
    }
    if (!this.recording) { this.closeMicrophone(); return; } // stopped while mic opened
    if (this.connected) this.sendStart();
    else this.connect();
  }

  /** Stop capturing; the server transcribes what it has, then sends `stopped`. */
  async stop() {
    if (!this.recording) return;
    this.recording = false;
    if (this.audio) this.audio.node.port.postMessage("flush");
    // Give the worklet a moment to hand over its last partial frame.
    await new Promise((resolve) => setTimeout(resolve, 60));
    this.closeMicrophone();
    if (this.connected && this.sessionReady) {
      this.flushQueue();
      this.ws.send(JSON.stringify({ type: "stop" }));
      this.setState("processing");
    } else if (this.queue.length > 0) {
      // Still offline: keep the audio; it goes out, then `stop`, on reconnect.
      this.pendingStop = true;
      this.setState("offline", "saving queued audio when the server is back");
    } else {
      this.setState("idle");
    }
  }

  /** A navigation or editing command (speech-mike buttons, keyboard). */
  command(command, field) {
    if (!this.connected || !this.sessionReady) return false;
    const message = { type: "command", command };
    if (field) message.field = field;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  /** Close the socket for good (leaving the editor, logging out). */
  close() {
    this.closing = true;
    this.recording = false;
    clearTimeout(this.retryTimer);
    this.closeMicrophone();
    if (this.ws) this.ws.close(1000, "closed by user");
    this.ws = null;
    this.sessionReady = false;
    this.queue = [];
    this.queuedBytes = 0;
    this.setState("idle");
  }

  connect() {
    clearTimeout(this.retryTimer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}${this.path}?token=${encodeURIComponent(this.token())}`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (error) {
      this.scheduleReconnect(String(error));
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.sessionReady = false;
    ws.onopen = () => {
      const reconnecting = this.retry > 0;
      this.retry = 0;
      if (reconnecting) this.emit("reconnected", {});
      if (this.recording || this.queue.length > 0) this.sendStart();
    };
    ws.onmessage = (event) => this.onMessage(event);
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.sessionReady = false;
      if (this.closing) return;
      if (this.recording || this.queue.length > 0) {
        this.scheduleReconnect(event.reason || `connection closed (${event.code})`);
      } else if (this.state !== "error") {
        this.setState("idle");
      }
    };
  }

  scheduleReconnect(reason) {
    this.retry += 1;
    const delay = Math.min(5000, 300 * 2 ** Math.min(this.retry, 5));
    const queued = (this.queuedBytes / BYTES_PER_SECOND).toFixed(1);
    this.setState("offline", `${reason}; retrying, ${queued} s of audio kept`);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  sendStart() {
    const message = {
      type: "start", report_id: this.reportId, sample_rate: this.sampleRate,
      encoding: "pcm_s16le",
    };
    if (this.field) message.field = this.field;
    this.ws.send(JSON.stringify(message));
  }

  onMessage(event) {
    if (typeof event.data !== "string") return;
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    switch (message.type) {
      case "ready":
        this.sessionReady = true;
        this.flushQueue();
        if (this.pendingStop) {
          this.pendingStop = false;
          this.ws.send(JSON.stringify({ type: "stop" }));
          this.setState("processing");
        } else if (this.recording) {
          this.setState("listening");
        }
        this.emit("ready", message);
        break;
      case "partial":
      case "final":
      case "command":
      case "report":
        if (message.field) this.field = message.field;
        if (message.type === "report" && message.current_field) this.field = message.current_field;
        this.emit(message.type, message);
        break;
      case "error":
        this.emit("error", message);
        if (FATAL_CODES.has(message.code)) {
          this.recording = false;
          this.closeMicrophone();
          this.queue = [];
          this.queuedBytes = 0;
          this.setState("error", message.message || message.code);
        }
        break;
      case "stopped":
        // The server ended the utterance session; commands need a new `start`.
        if (!this.recording) {
          this.sessionReady = false;
          this.setState("idle");
        }
        this.emit("stopped", message);
        break;
      default:
        break;
    }
  }

  flushQueue() {
    while (this.queue.length > 0 && this.connected) {
      const chunk = this.queue.shift();
      this.queuedBytes -= chunk.byteLength;
      this.ws.send(chunk);
      this.sentSeconds += chunk.byteLength / BYTES_PER_SECOND;
    }
  }

  onAudio(buffer) {
    if (this.connected && this.sessionReady && this.queue.length === 0) {
      this.ws.send(buffer);
      this.sentSeconds += buffer.byteLength / BYTES_PER_SECOND;
      return;
    }
    this.queue.push(buffer);
    this.queuedBytes += buffer.byteLength;
    while (this.queuedBytes > MAX_QUEUED_SECONDS * BYTES_PER_SECOND) {
      this.queuedBytes -= this.queue.shift().byteLength;
    }
  }

  async openMicrophone() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error("this browser cannot capture audio (needs HTTPS or localhost)");
    }
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        channelCount: 1, echoCancellation: false, noiseSuppression: false,
        autoGainControl: false,
      },
    });
    const context = new AudioContext({ latencyHint: "interactive" });
    await context.audioWorklet.addModule("/static/js/pcm-worklet.js");
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, "pcm-encoder", {
      numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1,
      processorOptions: { frameMs: 100 },
    });
    // A silent sink keeps the graph pulling audio through the worklet.
    const mute = context.createGain();
    mute.gain.value = 0;
    source.connect(node).connect(mute).connect(context.destination);
    node.port.onmessage = (event) => {
      const { pcm, rms, peak } = event.data;
      this.emit("level", { rms, peak });
      if (pcm && pcm.byteLength > 0) this.onAudio(pcm);
    };
    if (context.state === "suspended") await context.resume();
    this.audio = { stream, context, node, source };
  }

  closeMicrophone() {
    if (!this.audio) return;
    const { stream, context, node, source } = this.audio;
    this.audio = null;
    try { source.disconnect(); node.disconnect(); } catch { /* already torn down */ }
    for (const track of stream.getTracks()) track.stop();
    context.close();
    this.emit("level", { rms: 0, peak: 0 });
  }
}
