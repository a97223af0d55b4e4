"""The notifier: alert changes from the ``alerts`` topic to Alertmanager and webhooks (``twspulse notify``).

It sits beside the worker on the layer that reads topics: it consumes ``alerts`` and writes ``alerts.dlq``,
and the only outside world it talks to is the receivers. Pieces: ``errors`` (what a receiver's answer
means), ``receivers`` (payloads and the HTTP POST), ``delivered`` (what was already sent, rebuilt at start),
``notifier`` (the consumer loop: deliver or dead-letter, then commit).
"""
