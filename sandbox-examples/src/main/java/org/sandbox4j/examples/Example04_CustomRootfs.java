package org.sandbox4j.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.DataSize;
import org.sandbox4j.Sandbox;

/**
 * Shaping the file system the program sees: host data, read-only, at a path of your
 * choosing, and a private scratch space of bounded size.
 *
 * <p>Run it from the fat jar:
 * {@code java -cp sandbox-examples/target/sandbox4j-cli.jar org.sandbox4j.examples.Example04_CustomRootfs}
 */
public final class Example04_CustomRootfs {
  private Example04_CustomRootfs() {}

  public static void main(String[] args) throws Exception {
    // Some host data the program should read but never change.
    Path data = Files.createTempDirectory("sandbox4j-example-data");
    Files.writeString(data.resolve("input.txt"), "42\n");
    try {
      /*
       * bindMount(source, target) makes one host directory visible, read-only unless asked
       * otherwise: the program sees the host's /tmp/sandbox4j-example-data... at /data and
       * nothing else of the host's /tmp. Paths inside are chosen freely, so the program
       * need not know where the data lives on the host.
       *
       * tmpfs(target, size) gives it a writable, memory-backed directory that vanishes
       * with the sandbox. The size is a hard cap: a runaway program gets ENOSPC, the host
       * keeps its memory.
       *
       * The mounts are made on top of the strict preset's read-only root, so everything
       * else stays read-only too.
       */
      Sandbox sandbox = Sandbox.builder()
          .strict()
          .bindMount(data, "/data")
          .tmpfs("/scratch", DataSize.ofMebibytes(16))
          .build();

      CompletedRun run = sandbox.command("sh", "-c",
          "echo \"read /data/input.txt: $(cat /data/input.txt)\"\n"
              // The write fails: the bind mount is read-only (EROFS), whatever the
              // program's uid, root inside the user namespace included.
              + "if echo tampered > /data/input.txt; then echo 'wrote /data: NOT isolated';"
              + " else echo 'write to /data refused'; fi\n"
              + "echo 'scratch works' > /scratch/note && cat /scratch/note\n"
              + "df -h /scratch | tail -n 1\n")
          .run();

      System.out.print(run.stdout());
      System.out.print(run.stderr());
      System.out.println(run.result());
      // The host's copy is untouched.
      System.out.print("on the host, input.txt still says: " + Files.readString(data.resolve("input.txt")));
    } finally {
      Files.deleteIfExists(data.resolve("input.txt"));
      Files.deleteIfExists(data);
    }
  }
}
