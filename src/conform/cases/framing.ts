import type {ConformanceCase} from '../types.js'

export const framingCases: ConformanceCase[] = []
