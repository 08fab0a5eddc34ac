// Placeholder until the TandemTransport layer lands; replaced by its first real file.
