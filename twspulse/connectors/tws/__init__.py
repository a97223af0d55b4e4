"""The TWS connector: HCL Workload Automation REST API v2 -> Kafka."""
