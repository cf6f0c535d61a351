package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.Sandbox;

/** One Sandbox, many threads: each run sees its own input and output, nothing crosses. */
class ConcurrencyTest {

  @Test
  void runsFromManyThreadsKeepTheirOwnStdio() throws Exception {
    Sandbox sandbox = Sandbox.builder().strict().build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> outputs = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String token = "run-" + i;
        outputs.add(pool.submit(() -> {
          CompletedRun run = sandbox.command("/bin/sh", "-c", "read line; echo \"$line:$TOKEN\"")
              .env("TOKEN", token).run();
          assertThat(run.result().succeeded()).isTrue();
          return run.stdout();
        }));
      }
      for (int i = 0; i < outputs.size(); i++) {
        // stdin was closed by run(): read gets EOF, so the line is empty
        assertThat(outputs.get(i).get()).isEqualTo(":run-" + i + "\n");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(ProcessHandle.current().descendants().count()).isZero();
  }
}
