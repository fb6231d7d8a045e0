"""The whole pipeline on one machine, split by concern.

- `emulators/`: the stand-ins for AWS and its database: moto server, PostgreSQL, Terraform apply.
- `esm/`: the event-source-mapping engine, which gives moto's stored Kinesis mappings AWS's
  semantics (polling, batching, lanes, bisect, retries, on-failure destinations). Its public
  surface is `MappingRunner` and `RunnerOptions`.
- `runtime/`: the Lambda side: deployed zips unpacked and run in warm worker processes.
- `demo/`: the local session, clickstream traffic, database faults and the summary of `make demo`.
"""
