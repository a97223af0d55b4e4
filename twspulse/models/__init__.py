"""Model jobs: TimescaleDB -> forecasts, anomaly scores, alerts and failure annotations.

Empty in the walking skeleton on purpose: the forecasting/anomaly issue and the annotation issue fill
it, each model a module with fit/score, reading the tables the worker writes.
"""
