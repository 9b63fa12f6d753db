package dev.sift.spring.springai;

import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.DefaultToolCallingChatOptions;
import java.util.Objects;

/**
 * Options of a Sift chat request: the portable Spring AI options plus the engine's own — KV-cache
 * compression method and budget, random seed, repetition penalty, and a conversation id whose KV
 * cache is kept between turns.
 *
 * <pre>{@code
 * chatClient.prompt().user(question)
 *         .options(SiftChatOptions.builder().compressionMethod("snapkv").compressionBudget("25%"))
 *         .call().content();
 * }</pre>
 */
public class SiftChatOptions extends DefaultToolCallingChatOptions {

    private final String compressionMethod;
    private final String compressionBudget;
    private final Long seed;
    private final Double repeatPenalty;
    private final String conversationId;

    protected SiftChatOptions(DefaultToolCallingChatOptions portable, String compressionMethod, String compressionBudget,
                              Long seed, Double repeatPenalty, String conversationId) {
        super(portable.getToolCallbacks(), portable.getToolContext(), portable.getModel(),
                portable.getFrequencyPenalty(), portable.getMaxTokens(), portable.getPresencePenalty(),
                portable.getStopSequences(), portable.getTemperature(), portable.getTopK(), portable.getTopP());
        this.compressionMethod = compressionMethod;
        this.compressionBudget = compressionBudget;
        this.seed = seed;
        this.repeatPenalty = repeatPenalty;
        this.conversationId = conversationId;
    }

    public static Builder<?> builder() {
        return new Builder<>();
    }

    /** KV-cache compression method for this request (none, streaming, snapkv, pyramidkv, …); null: the configured default. */
    public String getCompressionMethod() {
        return compressionMethod;
    }

    /** KV entries kept per layer, a count ("512") or a share of the prompt ("10%"); null: the configured default. */
    public String getCompressionBudget() {
        return compressionBudget;
    }

    /** Random seed; the same seed, prompt and options give the same reply. */
    public Long getSeed() {
        return seed;
    }

    /** Penalty for repeating recent tokens; 1 disables. */
    public Double getRepeatPenalty() {
        return repeatPenalty;
    }

    /** Turns with the same id continue one KV cache instead of re-reading the whole conversation. */
    public String getConversationId() {
        return conversationId;
    }

    @Override
    public Builder<?> mutate() {
        Builder<?> b = new Builder<>();
        b.model(getModel()).frequencyPenalty(getFrequencyPenalty()).maxTokens(getMaxTokens())
                .presencePenalty(getPresencePenalty()).stopSequences(getStopSequences()).temperature(getTemperature())
                .topK(getTopK()).topP(getTopP()).toolCallbacks(getToolCallbacks()).toolContext(getToolContext());
        return b.compressionMethod(compressionMethod).compressionBudget(compressionBudget).seed(seed)
                .repeatPenalty(repeatPenalty).conversationId(conversationId);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SiftChatOptions other && super.equals(o)
                && Objects.equals(compressionMethod, other.compressionMethod)
                && Objects.equals(compressionBudget, other.compressionBudget) && Objects.equals(seed, other.seed)
                && Objects.equals(repeatPenalty, other.repeatPenalty) && Objects.equals(conversationId, other.conversationId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), compressionMethod, compressionBudget, seed, repeatPenalty, conversationId);
    }

    /** Self-typed builder, as Spring AI 2.0's options builders are. */
    public static class Builder<B extends Builder<B>> extends DefaultToolCallingChatOptions.Builder<B> {

        protected String compressionMethod;
        protected String compressionBudget;
        protected Long seed;
        protected Double repeatPenalty;
        protected String conversationId;

        public B compressionMethod(String value) {
            this.compressionMethod = value;
            return self();
        }

        public B compressionBudget(String value) {
            this.compressionBudget = value;
            return self();
        }

        public B seed(Long value) {
            this.seed = value;
            return self();
        }

        public B repeatPenalty(Double value) {
            this.repeatPenalty = value;
            return self();
        }

        public B conversationId(String value) {
            this.conversationId = value;
            return self();
        }

        /** Takes every option {@code other} sets, keeping this builder's value where {@code other} has none. */
        @Override
        public B combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other instanceof Builder<?> sift) {
                compressionMethod = sift.compressionMethod != null ? sift.compressionMethod : compressionMethod;
                compressionBudget = sift.compressionBudget != null ? sift.compressionBudget : compressionBudget;
                seed = sift.seed != null ? sift.seed : seed;
                repeatPenalty = sift.repeatPenalty != null ? sift.repeatPenalty : repeatPenalty;
                conversationId = sift.conversationId != null ? sift.conversationId : conversationId;
            }
            return self();
        }

        @Override
        public SiftChatOptions build() {
            return new SiftChatOptions((DefaultToolCallingChatOptions) super.build(), compressionMethod,
                    compressionBudget, seed, repeatPenalty, conversationId);
        }
    }

    @Override
    public String toString() {
        return "SiftChatOptions[temperature=" + getTemperature() + ", topP=" + getTopP() + ", topK=" + getTopK()
                + ", maxTokens=" + getMaxTokens() + ", stop=" + getStopSequences() + ", compression=" + compressionMethod
                + "/" + compressionBudget + ", seed=" + seed + ", conversationId=" + conversationId + "]";
    }
}
