"""What `make demo/up/send/down` drive: the local session, clickstream traffic, faults, the summary."""
