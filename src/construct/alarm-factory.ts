import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

export const FIVE_MINUTES = Duration.minutes(5);
export const ONE_MINUTE = Duration.minutes(1);

/** Alarms that mean "a person should look": at or above the threshold, missing data is fine. */
export class AlarmFactory {
  public readonly alarms: cloudwatch.Alarm[] = [];
  constructor(private readonly scope: Construct) {}

  public add(id: string, metric: cloudwatch.IMetric, threshold: number, description: string, datapoints = 1, periods = 1): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this.scope, id, {
      metric,
      threshold,
      evaluationPeriods: periods,
      datapointsToAlarm: datapoints,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    this.alarms.push(alarm);
    return alarm;
  }
}
