// Parsers for option values: a wrong value is a usage error (exit 2) that names the flag.
import { usageError } from './exit-codes.js';

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A whole number ≥ min (default 1) for `flag`. */
export function wholeNumber(flag: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw usageError(`${flag} is '${value}'; give a whole number >= ${min}`);
    return n;
  };
}

/** One of `allowed` for `flag`. */
export function oneOf<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!allowed.includes(value as T)) throw usageError(`${flag} is '${value}'; use one of ${allowed.join(', ')}`);
    return value as T;
  };
}
