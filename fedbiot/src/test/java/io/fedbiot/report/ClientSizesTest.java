package io.fedbiot.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** min / median / max rows per client over the clients with rows; the empty ones listed and counted. */
class ClientSizesTest {
    @Test
    void summarisesUnevenClientsAndNamesTheEmptyOnes() {
        ClientSizes s = ClientSizes.of(new int[] {5, 0, 1, 9, 0, 3}, 2);
        assertEquals(List.of(1, 4), s.empty());
        assertEquals(4, s.withRows());
        assertEquals(1, s.min());
        assertEquals(4.0, s.median()); // (3 + 5) / 2
        assertEquals(9, s.max());
        assertEquals("6 clients, training rows per client min 1 / median 4 / max 9, 2 drawn per round; "
                + "2 left out with no training rows (clients [1, 4])", s.line());
        assertEquals(3.0, ClientSizes.of(new int[] {7, 3, 1}, 3).median());
        assertEquals(0, ClientSizes.of(new int[] {0, 0}, 1).withRows());
    }
}
