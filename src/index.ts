/** imharness: the protocol codec, the virtual client, the conformance runner and the client adapter contract, as a library. */
export * from './protocol/index.js'
export * from './client/index.js'
/** The client adapter contract (docs/adapters.md): what `imh load --adapter ./module.js` loads. */
export {defineAdapter, type AdapterEvents, type AdapterGuarantees, type AdapterSession, type ClientAdapter, type ConnectRequest} from './load/adapters/adapter.js'
