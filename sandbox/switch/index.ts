// The sandbox interconnection switch (docs/interop.md).
export { startSwitch, switchHutongKeyDefault, type SandboxSwitch, type SwitchOptions } from './world.js';
export { sandboxParticipants, routeMerchantCode, type SwitchParticipant } from './participants.js';
export { readMerchantCode, ccittFalse } from './emv.js';
