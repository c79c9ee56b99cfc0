/**
 * Base for error classes that carry one detail beside their message: `name`
 * is the subclass's own, so debug output and test failures say which kind of
 * error it is without every class repeating the assignment.
 */
export class NamedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
