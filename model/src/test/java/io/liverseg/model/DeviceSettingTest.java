package io.liverseg.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class DeviceSettingTest {

    @Test
    void parsesTheThreeSettingsCaseInsensitively() {
        assertThat(DeviceSetting.parse("cpu")).isEqualTo(DeviceSetting.CPU);
        assertThat(DeviceSetting.parse(" GPU ")).isEqualTo(DeviceSetting.GPU);
        assertThat(DeviceSetting.parse("Auto")).isEqualTo(DeviceSetting.AUTO);
    }

    @Test
    void rejectsUnknownSettings() {
        assertThatThrownBy(() -> DeviceSetting.parse("tpu")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpu|gpu|auto");
        assertThatThrownBy(() -> DeviceSetting.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cpuIsAlwaysTheCpu() {
        assertThat(DeviceSetting.CPU.resolve()).isEqualTo(Device.cpu());
    }

    @Test
    void autoAndGpuFollowTheEngineGpuCountAndNameGpuZero() {
        int gpus = DjlEnvironment.engine().getGpuCount();
        if (gpus > 0) {
            assertThat(DeviceSetting.AUTO.resolve()).isEqualTo(Device.gpu(0));
            assertThat(DeviceSetting.GPU.resolve()).isEqualTo(Device.gpu(0));
            assertThat(DeviceSetting.GPU.resolve().getDeviceId()).isZero();
        } else {
            assertThat(DeviceSetting.AUTO.resolve()).isEqualTo(Device.cpu());
            assertThatThrownBy(DeviceSetting.GPU::resolve).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no GPU");
        }
    }
}
