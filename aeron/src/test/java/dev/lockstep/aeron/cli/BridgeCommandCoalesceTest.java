package dev.lockstep.aeron.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/**
 * {@code --coalesce} / {@code --no-coalesce} on {@code bridge out} and {@code bridge host} reach the
 * bridges' options; coalescing is on by default (as in {@code BridgeOptions.defaults()}).
 */
class BridgeCommandCoalesceTest {
    private static Object parsed(String... args) {
        CommandLine.ParseResult r = new CommandLine(new BridgeCommand()).parseArgs(args);
        return r.subcommand().commandSpec().userObject();
    }

    @Test
    void outAndHostPassCoalesceToTheirOptions() {
        String uri = "aeron:udp?endpoint=127.0.0.1:40123";
        assertTrue(((BridgeCommand.Out) parsed("out", "orders", uri)).options().coalesce(), "out: on by default");
        assertTrue(((BridgeCommand.Out) parsed("out", "orders", uri, "--coalesce")).options().coalesce());
        assertFalse(((BridgeCommand.Out) parsed("out", "orders", uri, "--no-coalesce")).options().coalesce());
        assertTrue(((BridgeCommand.Host) parsed("host", "--out", "orders", uri, "1")).options().coalesce(), "host: on by default");
        assertTrue(((BridgeCommand.Host) parsed("host", "--out", "orders", uri, "1", "--coalesce")).options().coalesce());
        assertFalse(((BridgeCommand.Host) parsed("host", "--out", "orders", uri, "1", "--no-coalesce")).options().coalesce());
        assertThrows(RuntimeException.class,
                () -> ((BridgeCommand.Out) parsed("out", "orders", uri, "--coalesce", "--no-coalesce")).options());
    }
}
