import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FAILURE_BUCKET_ACTIONS, FAILURE_BUCKET_KEY_ACTIONS, FAILURE_BUCKET_OBJECT_ACTIONS } from './iam-actions';

/**
 * The on-failure destination of a stream event source mapping: an S3 bucket, which (unlike SQS or SNS) keeps the
 * whole failed batch — Lambda writes the invocation record with its payload, not only its metadata.
 *
 * aws-cdk-lib's `S3OnFailureDestination` grants the function `bucket.grantReadWrite` (GetObject, DeleteObject,
 * ListBucket, PutObject …): a publisher whose code is compromised could then read, overwrite or delete the failed
 * batches kept for an operator. Lambda needs to write only, so this destination grants exactly what Lambda's
 * documentation lists for an S3 destination — `s3:PutObject` on the objects and `s3:ListBucket` on the bucket — and
 * `kms:GenerateDataKey` on the bucket's key when it is a customer-managed one.
 */
export class FailureBucketDestination implements lambda.IEventSourceDlq {
  constructor(private readonly bucket: s3.IBucket, private readonly key?: kms.IKey) {}

  public bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    targetHandler.addToRolePolicy(new iam.PolicyStatement({ actions: FAILURE_BUCKET_OBJECT_ACTIONS, resources: [this.bucket.arnForObjects('*')] }));
    targetHandler.addToRolePolicy(new iam.PolicyStatement({ actions: FAILURE_BUCKET_ACTIONS, resources: [this.bucket.bucketArn] }));
    if (this.key) targetHandler.addToRolePolicy(new iam.PolicyStatement({ actions: FAILURE_BUCKET_KEY_ACTIONS, resources: [this.key.keyArn] }));
    return { destination: this.bucket.bucketArn };
  }
}
