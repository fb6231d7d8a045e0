"""The metrics Lambda publishes and the alarms CloudWatch evaluates, for the local stack.

moto stores metric data and alarms but neither publishes Lambda's metrics nor evaluates alarms:
`lambda_metrics` and `metric_publisher` put the runner's invocations into the emulator's
CloudWatch under AWS's names, `alarm_rules` is CloudWatch's documented evaluation, and
`alarm_evaluator` applies it to every metric alarm deployed, setting state and notifying SNS.
"""
