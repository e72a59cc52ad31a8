import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { tempDir } from './tmp.js';

export const BUCKET = 'mahavishnu-backups';

/** A local S3-compatible server (s3rver) on a random port, with the backup bucket created. */
export async function startS3(): Promise<{ endpoint: string; client: S3Client; stop: () => Promise<void> }> {
  const dir = tempDir('mahavishnu-s3-');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir.path });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver accepts any credentials; the SDK reads them from its usual chain (here the environment)
  // biome-ignore lint/style/noProcessEnv: the AWS SDK's credential chain is the environment
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await server.close();
      dir.remove();
    },
  };
}
