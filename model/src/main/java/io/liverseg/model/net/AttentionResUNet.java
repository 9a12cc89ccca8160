package io.liverseg.model.net;

import ai.djl.nn.Parameter;
import ai.djl.training.initializer.XavierInitializer;
import io.liverseg.model.DjlEnvironment;

/**
 * Factory of the Attention Residual UNet ({@link AttentionResUNetBlock}).
 *
 * <pre>{@code
 * AttentionResUNetBlock net = AttentionResUNet.builder().setClasses(3).build();          // liver model
 * AttentionResUNetBlock vessels = AttentionResUNet.builder().fromConfig(UNetConfig.vessel()).build();
 * }</pre>
 *
 * Weights get He (Kaiming) normal initialization, which suits the ReLU convolutions; biases start at 0
 * and batch norms at γ = 1, β = 0.
 */
public final class AttentionResUNet {

    private AttentionResUNet() {}

    /** A builder with the liver model's defaults except the required class count. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link AttentionResUNetBlock}. */
    public static final class Builder {

        private int classes = -1;
        private int inputChannels = 1;
        private int baseFeatures = 8;
        private int levels = 5;
        private AttentionType attention = AttentionType.DOT_PRODUCT;
        private boolean channelsLast = true;

        private Builder() {}

        /** Output classes (logit channels), background included; required. */
        public Builder setClasses(int classes) {
            this.classes = classes;
            return this;
        }

        /** Input channels: 1 (one slice, default) or 3 (slice with its neighbours). */
        public Builder optInputChannels(int inputChannels) {
            this.inputChannels = inputChannels;
            return this;
        }

        /** Features of the first level (default 8; the vessel model uses 16). */
        public Builder optBaseFeatures(int baseFeatures) {
            this.baseFeatures = baseFeatures;
            return this;
        }

        /** Resolution levels including the bottleneck (default 5, i.e. 4 poolings). */
        public Builder optLevels(int levels) {
            this.levels = levels;
            return this;
        }

        /** The attention gate (default {@link AttentionType#DOT_PRODUCT}). */
        public Builder optAttention(AttentionType attention) {
            this.attention = attention;
            return this;
        }

        /**
         * Whether CPU forwards store activations channels-last (NHWC) internally (default true). An
         * execution choice, not part of {@link UNetConfig}: values and parameters are the same either way;
         * on GPUs the network always keeps NCHW (channels-last was not measured there).
         */
        public Builder optChannelsLast(boolean channelsLast) {
            this.channelsLast = channelsLast;
            return this;
        }

        /** Takes every setting from a saved configuration. */
        public Builder fromConfig(UNetConfig config) {
            classes = config.classes();
            inputChannels = config.inputChannels();
            baseFeatures = config.baseFeatures();
            levels = config.levels();
            attention = config.attention();
            return this;
        }

        /** The configuration as set so far; validates it. */
        public UNetConfig toConfig() {
            if (classes == -1) {
                throw new IllegalArgumentException("setClasses(...) is required");
            }
            return new UNetConfig(inputChannels, classes, baseFeatures, levels, attention);
        }

        /** Validates the settings and builds an uninitialized network. */
        public AttentionResUNetBlock build() {
            UNetConfig config = toConfig();
            // Blocks do not touch the engine, but whoever builds a network is about to: make sure the
            // offline/thread properties are in place before PtEngine reads them.
            DjlEnvironment.init();
            AttentionResUNetBlock block = new AttentionResUNetBlock(config, channelsLast);
            block.setInitializer(
                    new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2),
                    Parameter.Type.WEIGHT);
            return block;
        }
    }
}
