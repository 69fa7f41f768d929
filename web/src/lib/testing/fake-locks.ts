/**
 * The part of the Web Locks API (`navigator.locks`) the API client uses: `request(name, callback)`
 * runs the callback once no other holder of `name` is running one, in the order asked, and
 * releases the lock when the callback's promise settles. Share one between clients to make them
 * tabs of one browser.
 */
export class FakeLockManager {
  readonly #queues = new Map<string, Promise<unknown>>();

  request<T>(name: string, callback: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(name) ?? Promise.resolve();
    const granted = previous.then(() => callback());
    this.#queues.set(
      name,
      granted.catch(() => undefined),
    );
    return granted;
  }
}
