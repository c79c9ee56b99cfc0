/**
 * Drivers refused with a reason of their own rather than the generic "not
 * implemented yet": users migrating a fleet reach for these, so the error
 * names the working alternative and where it is described.
 */

/** Kafka needs a real broker to prove exactly-once through acks; none can run where logferry is tested. */
const KAFKA = (raw: string): string =>
  `${raw}(): logferry does not ship a Kafka destination yet because it cannot be tested against a real Kafka broker here; use amqp() into a RabbitMQ quorum queue, which sits behind the same destination interface (see docs/scale-out.md)`;

const REASONS: Readonly<Record<string, (raw: string) => string>> = {
  kafka: KAFKA,
  'kafka-c': KAFKA,
};

/** The refusal text for a driver with a specific reason, or undefined. */
export function driverRefusal(name: string, raw: string): string | undefined {
  return REASONS[name]?.(raw);
}
