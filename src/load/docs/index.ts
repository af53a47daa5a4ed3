import type {GeneratedBlock} from '../../common/doc-blocks.js'
import {builtinProfilesTable} from './profile-table.js'
import {metricsTable, rateList, scenarioFieldsTable, scenarioSections} from './scenario-docs.js'


const PROFILES_DOC = 'docs/profiles.md'

/**
 * The generated blocks of docs/profiles.md, from the scenario modules, the metric catalogue and the
 * built-in profiles. `npm run docs` writes them; docs.test.ts fails when one is out of date.
 */
export function loadDocBlocks(): GeneratedBlock[] {
  return [
    {file: PROFILES_DOC, block: 'builtin-profiles', content: builtinProfilesTable()},
    {file: PROFILES_DOC, block: 'scenario-fields', content: scenarioFieldsTable()},
    {file: PROFILES_DOC, block: 'scenarios', content: scenarioSections()},
    {file: PROFILES_DOC, block: 'rate', content: rateList()},
    {file: PROFILES_DOC, block: 'metrics', content: metricsTable()},
  ]
}
