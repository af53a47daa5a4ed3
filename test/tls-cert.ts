import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** A throw-away certificate for 127.0.0.1 made with the openssl CLI; undefined when openssl is missing. */
export function selfSignedCert(): {cert: Buffer; key: Buffer} | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'imh-tls-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'})
    return {cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem'))}
  } catch {
    return undefined
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
