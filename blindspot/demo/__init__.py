"""The embedded offline default: a seeded, synthetic world of fictional zones and outlets."""
