// Placeholder until the TandemStore layer lands; replaced by its first real file.
