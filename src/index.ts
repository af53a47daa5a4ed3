/** imharness: the protocol codec, the virtual client and the conformance runner, as a library. */
export * from './protocol/index.js'
export * from './client/index.js'
