package org.sandbox4j;

/** Whether the program may write to a file system it is given. */
public enum Access {
  READ_ONLY,
  READ_WRITE
}
