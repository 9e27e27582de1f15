package graphscope.testserver;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * A throw-away Neo4j Community server for graphscope's backend tests.
 *
 * <p>Usage: TestServer DATA_DIR PORT. Bolt listens on 127.0.0.1:PORT only, without auth or TLS,
 * with a small page cache (-Dgraphscope.pagecache.mb, -Dgraphscope.txmem.mb raise it and the
 * transaction memory limit for benchmarks); the data lives in DATA_DIR, which the stop script deletes. Prints
 * READY once the DBMS (and with it the Bolt connector) has started; shuts down cleanly on SIGTERM.
 */
public final class TestServer {
    private TestServer() {}

    /** A size in MiB from a system property (run-server sets them for larger benchmark runs). */
    private static long mebibytes(String property, long fallback) {
        return Long.getLong(property, fallback) * 1024 * 1024;
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: TestServer DATA_DIR PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, mebibytes("graphscope.pagecache.mb", 64))
                .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size, mebibytes("graphscope.txmem.mb", 256))
                .build();
        dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME); // fail fast if it cannot open
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }));
        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }
}
