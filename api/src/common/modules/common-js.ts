/**
 * The exports of a CommonJS package loaded with `import()`. Node exposes them as named exports,
 * but in a code-split esbuild bundle (the Lambda build) such a chunk exports them as `default`
 * only, so destructuring the namespace directly would yield undefined there.
 * @param probe an export the package is known to have, to tell the two shapes apart
 */
export function commonJsExports<T extends object>(namespace: T, probe: keyof T): T {
  if (namespace[probe] !== undefined) return namespace;
  return (namespace as unknown as { default: T }).default;
}
