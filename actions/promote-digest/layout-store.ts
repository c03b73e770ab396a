import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../shared/errors.js';
import { commitTempFile, writeFileAtomicAsync } from '../../shared/files.js';
import { type Descriptor, type Manifest, checkDigest, mediaTypeOf } from './manifest.js';
import { DIGEST } from './reference.js';
import { DigestMismatchError, type Stats, type Store } from './store.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

interface IndexFile {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/**
 * An OCI image layout (image-spec `image-layout.md`): blobs/sha256/<hex>, index.json whose
 * entries name their tag in `org.opencontainers.image.ref.name`, and the oci-layout marker.
 * Every file is written under a temporary name and renamed, so a failed promotion never
 * leaves a half-written blob or index. One store per layout folder and run: the locks below
 * are the store's.
 */
export class LayoutStore implements Store {
  readonly location: string;
  readonly name: string;
  private indexLock: Promise<unknown> = Promise.resolve();
  private layout?: Promise<void>;
  /**
   * Manifest writes under way, by digest: the temporary name of an atomic write is the same
   * for one file within a process, so two writes of one manifest at once must be one.
   */
  private readonly manifestWrites = new Map<string, Promise<void>>();

  constructor(
    readonly dir: string,
    written: string,
    private readonly stats: Stats,
  ) {
    this.name = `oci:${written}`;
    this.location = `oci:${dir}`;
  }

  private blobPath(digest: string): string {
    const [alg, hex] = digest.split(':');
    return path.join(this.dir, 'blobs', alg, hex);
  }

  private async readIndex(): Promise<IndexFile | undefined> {
    let text: string;
    try {
      text = await readFile(path.join(this.dir, 'index.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const index = JSON.parse(text) as IndexFile;
      if (!Array.isArray(index.manifests)) throw new Error('no manifests array');
      return index;
    } catch (err) {
      throw new UserError(`${this.name}/index.json is not an OCI index: ${(err as Error).message}`);
    }
  }

  async getManifest(ref: string): Promise<Manifest | undefined> {
    let digest = ref;
    let mediaType: string | undefined;
    if (!ref.startsWith('sha256:')) {
      const index = await this.readIndex();
      const entry = index?.manifests.find((d) => d.annotations?.[REF_NAME] === ref);
      if (!entry) return undefined;
      digest = entry.digest;
      mediaType = entry.mediaType;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(this.blobPath(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    checkDigest(bytes, digest, this.name);
    return { bytes, digest, mediaType: mediaTypeOf(bytes, mediaType) };
  }

  async tagDigest(tag: string): Promise<string | undefined> {
    const index = await this.readIndex();
    return index?.manifests.find((d) => d.annotations?.[REF_NAME] === tag)?.digest;
  }

  async hasManifest(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  async hasBlob(d: Descriptor): Promise<boolean> {
    try {
      return (await stat(this.blobPath(d.digest))).size === d.size;
    } catch {
      return false;
    }
  }

  async openBlob(d: Descriptor): Promise<Readable> {
    const file = this.blobPath(d.digest);
    if (!(await exists(file))) throw new UserError(`${this.name}: blob ${d.digest} is missing`);
    return createReadStream(file);
  }

  /** Once per store: concurrent blob writes into a new layout create it once. */
  private ensureLayout(): Promise<void> {
    this.layout ??= (async () => {
      await mkdir(path.join(this.dir, 'blobs', 'sha256'), { recursive: true });
      const marker = path.join(this.dir, 'oci-layout');
      if (!(await exists(marker))) {
        await writeFileAtomicAsync(marker, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      }
    })();
    // A failed attempt (a full disk) is not remembered: the next write tries again.
    this.layout.catch(() => (this.layout = undefined));
    return this.layout;
  }

  async putBlob(d: Descriptor, body: Readable): Promise<void> {
    await this.ensureLayout();
    const file = this.blobPath(d.digest);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const hash = createHash('sha256');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(body, count, createWriteStream(tmp));
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== d.digest || size !== d.size) {
        throw new DigestMismatchError(
          `${this.name}: blob ${d.digest} arrived as ${actual} (${size} bytes, expected ${d.size}); not stored`,
        );
      }
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await commitTempFile(tmp, file);
  }

  async putManifest(m: Manifest, ref: string): Promise<void> {
    await this.ensureLayout();
    await this.writeManifest(m);
    if (DIGEST.test(ref)) return;
    // Tags of one layout are written one after another so no update is lost.
    const next = this.indexLock.then(() => this.writeTag(m, ref));
    this.indexLock = next.catch(() => undefined);
    await next;
  }

  private writeManifest(m: Manifest): Promise<void> {
    let job = this.manifestWrites.get(m.digest);
    if (!job) {
      job = (async () => {
        const file = this.blobPath(m.digest);
        if (await exists(file)) return;
        await writeFileAtomicAsync(file, m.bytes);
        this.stats.manifestsWritten++;
      })().finally(() => this.manifestWrites.delete(m.digest));
      this.manifestWrites.set(m.digest, job);
    }
    return job;
  }

  private async writeTag(m: Manifest, ref: string): Promise<void> {
    const index = (await this.readIndex()) ?? {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [],
    };
    index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== ref);
    index.manifests.push({
      mediaType: m.mediaType,
      digest: m.digest,
      size: m.bytes.length,
      annotations: { [REF_NAME]: ref },
    });
    await writeFileAtomicAsync(path.join(this.dir, 'index.json'), JSON.stringify(index));
  }

  async referrers(): Promise<Descriptor[] | undefined> {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
