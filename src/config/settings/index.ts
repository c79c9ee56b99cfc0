/** Every driver's typed settings, as one union the Plan carries per driver instance. */
import type { AmqpDestinationSettings, FileDestinationSettings, NetworkDestinationSettings, StdoutSettings } from './destination.ts';
import type { FileSourceSettings, InternalSettings, NetworkSourceSettings, StdinSettings, SystemSourceSettings, UnixDgramSettings, UnixStreamSettings } from './source.ts';

export type * from './fields.ts';
export type * from './global.ts';
export type * from './source.ts';
export type * from './destination.ts';

export type SourceSettings = FileSourceSettings | StdinSettings | NetworkSourceSettings | InternalSettings | UnixStreamSettings | UnixDgramSettings | SystemSourceSettings;
export type DestinationSettings = FileDestinationSettings | StdoutSettings | NetworkDestinationSettings | AmqpDestinationSettings;
export type DriverSettings = SourceSettings | DestinationSettings;
