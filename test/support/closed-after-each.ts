// Servers a test file starts, closed after each test, so that a failing test cannot leave one listening.
import { afterEach } from 'vitest'

export interface Closable {
  close(): Promise<void>
}

/** Registers an afterEach hook in the calling file; returns `track`, which hands back the server it is given. */
export function closedAfterEach(): <T extends Closable>(server: T) => T {
  const open: Closable[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((server) => server.close()))
  })
  return (server) => {
    open.push(server)
    return server
  }
}
