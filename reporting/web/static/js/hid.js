// USB speech mikes over WebHID: a data-driven table of report layouts and
// button bits, and a mapping of buttons to reading-station actions.
//
// The layouts follow the ones used by GoogleChromeLabs/dictation_support
// (Apache-2.0); docs/speech-mikes.md explains them and how to correct this
// table from the raw-report log in Settings if a device differs.

/**
 * Device profiles. `match` picks the profile for an opened HID device;
 * `filters` go to navigator.hid.requestDevice; a report is read as
 * `bits` wide (16) at byte `offset` of the input report's data (report id
 * excluded), little-endian, optionally only when byte `header.offset`
 * equals `header.value`.
 */
export const PROFILES = [
  {
    id: "powermic3",
    label: "Nuance PowerMic III",
    match: { vendorId: 0x0554, productId: 0x1001 },
    filters: [{ vendorId: 0x0554, productId: 0x1001 }],
    offset: 1,
    buttons: {
      transcribe: 0x0001, tab_backward: 0x0002, record: 0x0004, tab_forward: 0x0008,
      rewind: 0x0010, forward: 0x0020, play: 0x0040, custom_left: 0x0080,
      enter_select: 0x0100, custom_right: 0x0200,
    },
  },
  {
    id: "powermic4",
    label: "Nuance PowerMic 4",
    match: { vendorId: 0x0554, productId: 0x0064, usagePage: 0xffa0 },
    filters: [{ vendorId: 0x0554, productId: 0x0064, usagePage: 0xffa0, usage: 1 }],
    header: { offset: 0, value: 0x80 },
    offset: 7,
    buttons: {
      f1: 0x0002, f2: 0x0004, f3: 0x0008, f4: 0x0010, command: 0x0020, record: 0x0100,
      play: 0x0400, tab_forward: 0x0800, tab_backward: 0x1000, rewind: 0x2000,
      forward: 0x4000, enter_select: 0x8000,
    },
  },
  {
    id: "powermic4-gamepad",
    label: "Nuance PowerMic 4 (browser mode)",
    match: { vendorId: 0x0554, productId: 0x0064, usagePage: 0x0001 },
    filters: [{ vendorId: 0x0554, productId: 0x0064, usagePage: 0x0001, usage: 4 }],
    offset: 0,
    buttons: {
      tab_backward: 0x0001, play: 0x0002, tab_forward: 0x0004, forward: 0x0010,
      record: 0x0020, command: 0x0040, enter_select: 0x0200, f1: 0x0400, f2: 0x0800,
      f3: 0x1000, f4: 0x2000, rewind: 0x4000,
    },
  },
  {
    id: "speechmike",
    label: "Philips SpeechMike (HID mode)",
    match: { vendorId: 0x0911, usagePage: 0xffa0 },
    filters: [0x0c1c, 0x0c1d, 0x0c1e, 0x0fa0].map((productId) => (
      { vendorId: 0x0911, productId, usagePage: 0xffa0, usage: 1 })),
    header: { offset: 0, value: 0x80 },
    offset: 7,
    buttons: {
      scan_end: 0x0001, f1: 0x0002, f2: 0x0004, f3: 0x0008, f4: 0x0010, command: 0x0020,
      scan_success: 0x0080, record: 0x0100, stop: 0x0200, play: 0x0400, forward: 0x0800,
      rewind: 0x1000, eol: 0x2000, insert: 0x4000, instruction: 0x8000,
    },
  },
  {
    id: "speechmike-gamepad",
    label: "Philips SpeechMike (browser mode)",
    match: { vendorId: 0x0911, usagePage: 0x0001 },
    filters: [0x0c1e, 0x0fa0].map((productId) => (
      { vendorId: 0x0911, productId, usagePage: 0x0001, usage: 4 })),
    offset: 0,
    buttons: {
      rewind: 0x0001, play: 0x0002, forward: 0x0004, insert: 0x0010, record: 0x0020,
      command: 0x0040, instruction: 0x0200, f1: 0x0400, f2: 0x0800, f3: 0x1000,
      f4: 0x2000, eol: 0x4000,
    },
  },
];

/** Actions a button can trigger. `record` follows the toggle / hold-to-talk setting. */
export const ACTIONS = {
  none: "Nothing",
  record: "Record (toggle or hold)",
  stop: "Stop recording",
  next_field: "Next field",
  previous_field: "Previous field",
  scratch_that: "Scratch that",
  macro_picker: "Macro picker",
  sign: "Sign report",
  accept: "Accept pick-list choice",
};

/** Default button -> action table (Settings can change it per workstation). */
export const DEFAULT_BUTTON_ACTIONS = {
  record: "record",
  stop: "stop",
  play: "none",
  tab_forward: "next_field",
  tab_backward: "previous_field",
  forward: "next_field",
  rewind: "previous_field",
  custom_left: "macro_picker",
  custom_right: "sign",
  f1: "macro_picker",
  f2: "sign",
  f3: "scratch_that",
  f4: "none",
  command: "macro_picker",
  eol: "sign",
  insert: "none",
  instruction: "none",
  enter_select: "accept",
  transcribe: "scratch_that",
  scan_end: "none",
  scan_success: "none",
};

/** The profile that reads reports from `device`, or null. */
export function profileFor(device) {
  const pages = (device.collections || []).map((c) => c.usagePage);
  return PROFILES.find((p) => (
    p.match.vendorId === device.vendorId
    && (p.match.productId === undefined || p.match.productId === device.productId)
    && (p.match.usagePage === undefined || pages.length === 0
        || pages.includes(p.match.usagePage))
  )) || null;
}

/** The set of button names held down in one input report, or null to ignore it. */
export function decodeReport(profile, data) {
  if (profile.header) {
    if (data.byteLength <= profile.header.offset
        || data.getUint8(profile.header.offset) !== profile.header.value) return null;
  }
  if (data.byteLength < profile.offset + 2) return null;
  const mask = data.getUint16(profile.offset, true);
  const held = new Set();
  for (const [name, bit] of Object.entries(profile.buttons)) {
    if (mask & bit) held.add(name);
  }
  return held;
}

function hex(data) {
  const bytes = [];
  for (let i = 0; i < data.byteLength; i++) bytes.push(data.getUint8(i).toString(16).padStart(2, "0"));
  return bytes.join(" ");
}

/**
 * Listens to speech mikes and turns button edges into `button` events:
 * detail {button, pressed, device}. Also `status` events with a message.
 */
export class SpeechMikes extends EventTarget {
  constructor() {
    super();
    this.devices = new Map(); // HIDDevice -> {profile, held}
    this.log = [];
  }

  get supported() { return typeof navigator !== "undefined" && "hid" in navigator && !!navigator.hid; }

  status(message, level = "info") {
    this.dispatchEvent(new CustomEvent("status", { detail: { message, level } }));
  }

  /** Open devices this origin was already granted; listen for plug and unplug. */
  async init() {
    if (!this.supported) {
      this.status("WebHID is not available in this browser: speech-mike buttons are off; "
        + "keyboard shortcuts still work.", "warn");
      return;
    }
    navigator.hid.addEventListener("connect", (event) => this.attach(event.device));
    navigator.hid.addEventListener("disconnect", (event) => this.detach(event.device));
    let devices = [];
    try {
      devices = await navigator.hid.getDevices();
    } catch (error) {
      this.status(`Speech mikes unavailable: ${error.message}`, "warn");
      return;
    }
    for (const device of devices) await this.attach(device);
    if (this.devices.size === 0) this.status("No speech mike connected.");
  }

  /** Ask the user to pick a device (needs a click). */
  async request() {
    if (!this.supported) {
      this.status("WebHID is not available in this browser: use the keyboard shortcuts.", "warn");
      return;
    }
    let devices;
    try {
      devices = await navigator.hid.requestDevice({ filters: PROFILES.flatMap((p) => p.filters) });
    } catch (error) {
      this.status(`Permission for the speech mike was refused (${error.name}); `
        + "keyboard shortcuts still work.", "warn");
      return;
    }
    if (!devices || devices.length === 0) {
      this.status("No speech mike chosen; keyboard shortcuts still work.", "warn");
      return;
    }
    for (const device of devices) await this.attach(device);
  }

  async attach(device) {
    const profile = profileFor(device);
    if (!profile || this.devices.has(device)) return;
    try {
      if (!device.opened) await device.open();
    } catch (error) {
      this.status(`Could not open ${device.productName || profile.label}: ${error.message}`, "warn");
      return;
    }
    const entry = { profile, held: new Set() };
    this.devices.set(device, entry);
    device.addEventListener("inputreport", (event) => this.onReport(device, event));
    this.status(`${device.productName || profile.label} connected.`);
  }

  detach(device) {
    if (!this.devices.delete(device)) return;
    this.status(`${device.productName || "Speech mike"} disconnected.`, "warn");
  }

  onReport(device, event) {
    const entry = this.devices.get(device);
    if (!entry) return;
    const line = `${entry.profile.id} report ${event.reportId}: ${hex(event.data)}`;
    this.log.push(line);
    if (this.log.length > 50) this.log.shift();
    this.dispatchEvent(new CustomEvent("raw", { detail: line }));
    const held = decodeReport(entry.profile, event.data);
    if (held === null) return;
    for (const button of held) {
      if (!entry.held.has(button)) this.fire(button, true, device);
    }
    for (const button of entry.held) {
      if (!held.has(button)) this.fire(button, false, device);
    }
    entry.held = held;
  }

  fire(button, pressed, device) {
    this.dispatchEvent(new CustomEvent("button", { detail: { button, pressed, device } }));
  }
}
