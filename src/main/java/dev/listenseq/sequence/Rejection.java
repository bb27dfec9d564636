package dev.listenseq.sequence;

import dev.listenseq.avro.DeadLetterReason;

/** Why an input record goes to the dead-letter topic: a reason code and a sentence naming the rule. */
public record Rejection(DeadLetterReason reason, String detail) {
}
