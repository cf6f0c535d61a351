package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * One line of a user namespace's {@code uid_map} or {@code gid_map}: {@code count} ids
 * starting at {@code inside} are the host's ids starting at {@code outside}.
 */
public final class IdMapping {
  private static final long MAX_ID = 0xFFFF_FFFEL; // (uid_t) -1 is "no id"

  private final long inside;
  private final long outside;
  private final long count;

  private IdMapping(long inside, long outside, long count) {
    this.inside = inside;
    this.outside = outside;
    this.count = count;
  }

  public static IdMapping of(long inside, long outside, long count) {
    checkArgument(inside >= 0 && inside <= MAX_ID, "id mapping: inside id %s out of range 0..%s", inside, MAX_ID);
    checkArgument(outside >= 0 && outside <= MAX_ID, "id mapping: outside id %s out of range 0..%s", outside, MAX_ID);
    checkArgument(count >= 1, "id mapping: count must be at least 1, was %s", count);
    checkArgument(inside + count - 1 <= MAX_ID && outside + count - 1 <= MAX_ID,
        "id mapping: %s ids from %s (inside) / %s (outside) run past %s", count, inside, outside, MAX_ID);
    return new IdMapping(inside, outside, count);
  }

  public long inside() {
    return inside;
  }

  public long outside() {
    return outside;
  }

  public long count() {
    return count;
  }

  boolean contains(long insideId) {
    return insideId >= inside && insideId < inside + count;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdMapping && ((IdMapping) o).inside == inside
        && ((IdMapping) o).outside == outside && ((IdMapping) o).count == count;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(inside) * 31 * 31 + Long.hashCode(outside) * 31 + Long.hashCode(count);
  }

  /** In the kernel's own format: {@code inside outside count}. */
  @Override
  public String toString() {
    return inside + " " + outside + " " + count;
  }
}
