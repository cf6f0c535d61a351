package org.sandbox4j.examples;

import org.sandbox4j.CompletedRun;
import org.sandbox4j.Sandbox;

/**
 * The smallest useful sandbox: the strict preset, one command, its output captured.
 *
 * <p>Run it from the fat jar:
 * {@code java -cp sandbox-examples/target/sandbox4j-cli.jar org.sandbox4j.examples.Example01_HelloSandbox}
 */
public final class Example01_HelloSandbox {
  private Example01_HelloSandbox() {}

  public static void main(String[] args) throws Exception {
    /*
     * strict() is the preset to start from: every namespace, a read-only root assembled
     * from the host's /usr, /bin, /lib* and a minimal /etc, a fresh /proc, a minimal /dev
     * and a tmpfs /tmp. Start strict and loosen what a program really needs; the other way
     * round, every forgotten option is a hole.
     *
     * A Sandbox is an immutable policy: build it once and run as many commands under it as
     * you like, from any thread.
     */
    Sandbox sandbox = Sandbox.builder()
        .strict()
        // Without a hostname the UTS namespace starts as a copy of the host's name; giving
        // one makes the isolation visible in `uname -n` below.
        .hostname("hello-sandbox")
        .build();

    /*
     * describe() says in words what is isolated and what is not. Print it (or log it)
     * wherever a policy is chosen: it is the cheapest review there is.
     */
    System.out.print(sandbox.describe());

    /*
     * The program's environment is exactly what the command sets: nothing of the JVM's own
     * leaks in. Here it is empty; `sh` is still found because, without PATH, the helper
     * looks in /usr/local/bin:/usr/bin:/bin.
     *
     * run() waits for the end and captures stdout and stderr in memory: right for short
     * output. For long or endless output see Example02_StreamingOutput.
     *
     * What to expect:
     *   uname -n  prints hello-sandbox: the UTS namespace has its own hostname;
     *   id        prints uid=0(root): root inside the user namespace only, the caller on the host;
     *   ps -e     lists a handful of processes: the PID namespace shows only the sandbox's own,
     *             and /proc is a fresh one of that namespace.
     */
    CompletedRun run = sandbox.command("sh", "-c", "uname -n; id; ps -e").run();

    System.out.println("--- stdout ---");
    System.out.print(run.stdout());
    System.out.println("--- stderr ---");
    System.out.print(run.stderr());
    // The result says why the program stopped, with what status and after how long.
    System.out.println("--- result ---");
    System.out.println(run.result());
  }
}
