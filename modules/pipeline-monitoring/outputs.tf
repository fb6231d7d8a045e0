output "alarm_arns" {
  description = "ARN of every alarm, by purpose (iterator_age_lagging, iterator_age_records_at_risk, dropped_events, on_failure_delivered, processor_errors, processor_throttles, processor_duration, and when their inputs are given failure_handler_*, dead_letter_*, failure_queue_*, stream_*_throttled)."
  value       = { for purpose, alarm in aws_cloudwatch_metric_alarm.this : purpose => alarm.arn }
}

output "alarm_names" {
  description = "Name of every alarm, by purpose (the keys of alarm_arns)."
  value       = { for purpose, alarm in aws_cloudwatch_metric_alarm.this : purpose => alarm.alarm_name }
}

output "topic_arn" {
  description = "SNS topic every alarm notifies on ALARM and on OK (created, or alarm_topic_arn); subscribe the on-call channel to it."
  value       = local.topic_arn
}

output "topic_kms_key_policy_statements" {
  description = "Key-policy statements (IAM JSON) to add to the policy of the KMS key that encrypts the alarm topic, so CloudWatch can publish these alarms to it (kms:Decrypt, kms:GenerateDataKey* for cloudwatch.amazonaws.com, scoped to this module's alarms)."
  value = [{
    Sid       = "CloudWatchAlarmsUseTopicKey"
    Effect    = "Allow"
    Principal = { Service = "cloudwatch.amazonaws.com" }
    Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
    Resource  = "*"
    Condition = {
      ArnLike      = { "aws:SourceArn" = local.alarm_arn_pattern }
      StringEquals = { "aws:SourceAccount" = local.account_id }
    }
  }]
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard of the pipeline."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "thresholds" {
  description = "The thresholds the alarms use, derived from the inputs: iterator_age_lagging_ms, iterator_age_at_risk_ms, duration_ms, queue_oldest_message_age_s."
  value = {
    iterator_age_lagging_ms    = var.iterator_age_lagging_threshold_ms
    iterator_age_at_risk_ms    = local.at_risk_ms
    duration_ms                = local.duration_ms
    queue_oldest_message_age_s = var.queue_oldest_message_age_threshold_seconds
  }
}
