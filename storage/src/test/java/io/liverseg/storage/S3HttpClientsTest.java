package io.liverseg.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import org.junit.jupiter.api.Test;

class S3HttpClientsTest {
    @Test
    void socketsHaveNagleOffAndMinioDefaultsStay() throws Exception {
        OkHttpClient client = S3HttpClients.tcpNoDelay();

        try (Socket s = client.socketFactory().createSocket()) {
            assertThat(s.getTcpNoDelay()).isTrue();
        }
        assertThat(client.protocols()).containsExactly(Protocol.HTTP_1_1);
        assertThat(client.readTimeoutMillis()).isEqualTo(5 * 60 * 1000);
        assertThat(client.writeTimeoutMillis()).isEqualTo(5 * 60 * 1000);
    }

    @Test
    void theSharedClientIsOneClientWithTheSameSettings() throws Exception {
        assertThat(S3HttpClients.shared()).isSameAs(S3HttpClients.shared());
        try (Socket s = S3HttpClients.shared().socketFactory().createSocket()) {
            assertThat(s.getTcpNoDelay()).isTrue();
        }
    }
}
