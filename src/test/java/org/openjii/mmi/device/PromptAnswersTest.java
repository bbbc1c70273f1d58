package org.openjii.mmi.device;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PromptAnswersTest {

    /** Alert, six prompts (Red, Blue, Translucent, White, Clear, Black), alert. */
    private static final MeasurementProtocol LEAF_THICKNESS = MeasurementProtocol
            .parse(Fixtures.text("public/protocols/leaf-thickness-calibration-alert-prompt.json"));

    private static final List<String> SIX = List.of("0.22", "0.11", "0.05", "0.3", "0.1", "0.4");

    @Test
    void shouldAcceptAProtocolWhosePromptsAreAnsweredAndAlertsAcknowledged() {
        PromptAnswers answers = new PromptAnswers(SIX, true);

        assertThatCode(() -> answers.checkCovers(LEAF_THICKNESS)).doesNotThrowAnyException();
    }

    @Test
    void shouldNameTheFirstPromptWithoutAnAnswer() {
        PromptAnswers answers = new PromptAnswers(SIX.subList(0, 5), true);

        assertThatThrownBy(() -> answers.checkCovers(LEAF_THICKNESS)).isInstanceOf(PromptNotAnswerableException.class)
                .hasMessageContaining("asks 1 question(s)")
                .hasMessageContaining("***Black***")
                .hasMessageNotContaining("***Clear***");
    }

    @Test
    void shouldCountAlertsAsQuestionsUnlessAcknowledgedAutomatically() {
        PromptAnswers answers = new PromptAnswers(SIX, false);

        // The first alert takes the first answer, so the Black prompt and the closing alert are left over.
        assertThatThrownBy(() -> answers.checkCovers(LEAF_THICKNESS)).isInstanceOf(PromptNotAnswerableException.class)
                .hasMessageContaining("asks 2 question(s)")
                .hasMessageContaining("***Black***")
                .hasMessageContaining("alert \"Leaf Clamp fully open\"");
    }

    @Test
    void shouldRejectEveryQuestionWithoutAnswers() {
        assertThatThrownBy(() -> PromptAnswers.none().checkCovers(LEAF_THICKNESS))
                .isInstanceOf(PromptNotAnswerableException.class)
                .hasMessageContaining("asks 8 question(s)")
                .satisfies(e -> assertThat(((MultispeqException) e).reason().code()).isEqualTo("prompt-unanswered"));
    }

    @Test
    void shouldAcceptAProtocolWithoutQuestions() {
        MeasurementProtocol par = MeasurementProtocol.parse(Fixtures.text("public/protocols/par.json"));

        assertThatCode(() -> PromptAnswers.none().checkCovers(par)).doesNotThrowAnyException();
    }

    @Test
    void shouldHandOutAnswersInOrderAndAcknowledgeAlertsWithAnEmptyAnswer() {
        PromptAnswers answers = new PromptAnswers(List.of("0.22", "-1"), true);

        assertThat(answers.next("alert")).isEmpty();
        assertThat(answers.next("prompt")).isEqualTo("0.22");
        assertThat(answers.next("alert")).isEmpty();
        assertThat(answers.next("confirm")).isEqualTo("-1");
        assertThat(answers.next("prompt")).isNull();
    }

    @Test
    void shouldStartEachRunWithAllAnswers() {
        PromptAnswers configured = new PromptAnswers(List.of("0.22"), false);
        PromptAnswers first = configured.forRun();
        assertThat(first.next("prompt")).isEqualTo("0.22");
        assertThat(first.next("prompt")).isNull();

        assertThat(configured.forRun().next("prompt")).isEqualTo("0.22");
    }
}
