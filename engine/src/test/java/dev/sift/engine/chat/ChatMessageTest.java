package dev.sift.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChatMessageTest {

    private static final List<ToolCall> CALL = List.of(new ToolCall("call_1", "get_weather", "{}"));

    @Test
    void anUnknownRoleIsRejectedNamingTheValidOnes() {
        assertThatThrownBy(() -> new ChatMessage("developer", "Hi", List.of(), null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown chat role 'developer' (valid roles: system, user, assistant, tool)");
    }

    @Test
    void onlyAnAssistantCallingToolsMayHaveNoContent() {
        assertThat(ChatMessage.assistant(null, CALL).content()).isNull();
        assertThatThrownBy(() -> ChatMessage.user(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ChatMessage.assistant(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toolFieldsBelongToTheirRoles() {
        assertThatThrownBy(() -> new ChatMessage("user", "Hi", CALL, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ChatMessage("user", "Hi", List.of(), "call_1", null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ChatMessage.tool("18 C", "call_1", "get_weather").toolCallId()).isEqualTo("call_1");
    }

    @Test
    void toolCallsAreCopiedAndNeverNull() {
        assertThat(new ChatMessage("user", "Hi", null, null, null).toolCalls()).isEmpty();
        assertThatThrownBy(() -> ChatMessage.assistant(null, CALL).toolCalls().add(CALL.getFirst()))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
