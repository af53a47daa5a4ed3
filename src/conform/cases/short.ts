import type {ConformanceCase} from '../types.js'

export const shortCases: ConformanceCase[] = []
