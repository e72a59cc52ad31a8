import { Transform } from 'node:stream';
import { crc32 } from 'node:zlib';

/**
 * Watches both sides of the gunzip: `raw` sees the archive's bytes, `inflated` what gunzip makes
 * of them. It stops a gzip bomb as it starts (more than maxRatio inflated bytes per raw byte, or
 * more than maxBytes in all), and at the end `trailerMatches()` says whether the archive ends
 * with the trailer of the one gzip member we wrote: CRC-32 and length of everything inflated.
 * Data appended after our member (an extra member, or bytes gunzip would quietly skip) makes the
 * last eight bytes someone else's, so it does not match.
 */
export class GzipGuard {
  rawBytes = 0;
  inflatedBytes = 0;
  private crc = 0;
  private tail = Buffer.alloc(0);

  constructor(
    private readonly limits: { maxRatio: number; maxBytes: number },
    private readonly refuse: (why: string) => Error,
  ) {}

  readonly raw = new Transform({
    transform: (chunk: Buffer, _enc, cb) => {
      this.rawBytes += chunk.length;
      this.tail = Buffer.concat([this.tail, chunk.subarray(Math.max(0, chunk.length - 8))]).subarray(-8);
      cb(null, chunk);
    },
  });

  readonly inflated = new Transform({
    transform: (chunk: Buffer, _enc, cb) => {
      this.inflatedBytes += chunk.length;
      this.crc = crc32(chunk, this.crc);
      // a real archive inflates to about its size (its entries are sealed, incompressible)
      if (this.inflatedBytes > 8 << 20 && this.inflatedBytes > this.limits.maxRatio * this.rawBytes)
        return cb(
          this.refuse(
            `it inflates to more than ${this.limits.maxRatio} times its size (backup.max_inflate_ratio): a gzip bomb`,
          ),
        );
      if (this.inflatedBytes > this.limits.maxBytes)
        return cb(
          this.refuse(`it inflates to more than ${this.limits.maxBytes} bytes (backup.max_restore_bytes)`),
        );
      cb(null, chunk);
    },
  });

  trailerMatches(): boolean {
    if (this.tail.length < 8) return false;
    return (
      this.tail.readUInt32LE(0) === this.crc >>> 0 &&
      this.tail.readUInt32LE(4) === this.inflatedBytes % 2 ** 32
    );
  }
}
