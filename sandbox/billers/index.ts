// The sandbox billers (issue 15): electricity, water and gas, mobile, property management, charity.
export { charityProjects } from './charity.js';
export { electricityAccounts } from './electricity.js';
export { mobileLimitsFen, mobileNumbers } from './mobile.js';
export { propertyCommunity, propertyUnits } from './property.js';
export { billerModes, slowMsDefault, type BillerMode } from './server.js';
export { billerSignature } from './signing.js';
export { waterGasAccounts } from './water-gas.js';
export { sandboxBillerKeys, sandboxBillerNames, startBillerWorld, type BillerWorld, type SandboxBillerName } from './world.js';
