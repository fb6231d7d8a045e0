"""The Lambda side of the local stack: deployed zips matched by CodeSha256, unpacked, run in warm workers."""
