import {describe, expect, it} from 'vitest'
import {protocolSections, shippedProtocolSections} from './protocol-sections.js'

const DOC = `# Title

<a id="s6"></a>
## 6. SYNC (notify-then-pull)

Intro of six.

<a id="s6.4"></a>
### 6.4 SYNC

Request \`{syncKey}\`.

\`\`\`text
## 7. not a heading inside a fence
\`\`\`

- a list item

<a id="s6.5"></a>
### 6.5 Acknowledgement

Ack text.

<a id="s7"></a>
## 7. Design notes

Notes.
`

describe('protocolSections', () => {
  const sections = protocolSections(DOC)

  it('quotes a subsection up to the next heading of its level, without the link anchors', () => {
    const s = sections.get('6.4')!
    expect(s.title).toBe('SYNC')
    expect(s.body).toBe('Request `{syncKey}`.\n\n```text\n## 7. not a heading inside a fence\n```\n\n- a list item')
  })

  it('keeps the subsections in a top-level section and reads its title without the dot', () => {
    const s = sections.get('6')!
    expect(s.title).toBe('SYNC (notify-then-pull)')
    expect(s.body).toContain('Intro of six.')
    expect(s.body).toContain('### 6.5 Acknowledgement')
    expect(s.body).not.toContain('Notes.')
  })

  it('reads the last section to the end, and knows no unnumbered heading', () => {
    expect(sections.get('7')!.body).toBe('Notes.')
    expect(sections.get('6.5')!.body).toBe('Ack text.')
    expect([...sections.keys()]).toEqual(['6', '6.4', '6.5', '7'])
  })

  it('reads the shipped PROTOCOL.md: §6.4 is SYNC and its quote stops before §6.5', () => {
    const s = shippedProtocolSections().get('6.4')!
    expect(s.title).toBe('SYNC')
    expect(s.body).toMatch(/^Request `\{syncKey: \{epoch, seq\}/)
    expect(s.body).not.toContain('### 6.5')
    expect(shippedProtocolSections().get('2')?.title).toBe('Scheduler')
  })
})
