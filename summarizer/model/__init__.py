"""The model path: settings, prompts, the response store and answer index, the client, the model extractor,
recordings, and local llama.cpp servers. Importing this package imports neither openai nor instructor
(only ``client`` does)."""
