"""The knowledge base: loaders, chunking, embeddings, the Chroma store and hybrid search."""
