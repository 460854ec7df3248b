// The input contract's text and id rules (sdk/src/contract.ts) as zod schemas: the predicates' plain words are the
// issues' messages, and the JSON Schema keywords (pattern, maxLength in code points) document the same rules.
import { ID_PATTERN, idProblem, MAX_ID_LENGTH, MAX_INTEGER_ID, RULES, textProblem } from '@fraudscore/sdk';
import { z } from './zod.js';

/** A zod check from one of the contract's predicates: the predicate's plain words are the issue's message. */
export const fromProblem =
  <T>(problem: (value: T) => string | undefined) =>
  (value: T, ctx: z.RefinementCtx): void => {
    const message = problem(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: value });
  };

/** Text under the contract: 1..256 code points, valid Unicode, no control characters (schema and check agree). */
export const contractText = () =>
  z
    .string({ error: `must be ${RULES.text}` })
    .meta({ minLength: 1, maxLength: MAX_ID_LENGTH, pattern: ID_PATTERN })
    .superRefine(fromProblem((text: string) => textProblem(text)));

/** An id or entity id: contract text, or a whole number JSON keeps exact (read as its decimal text). */
export const idField = (description: string) =>
  z
    .union(
      [
        contractText(),
        z
          .int({ error: (issue) => idProblem(issue.input) ?? `must be ${RULES.id}` })
          .meta({ minimum: -MAX_INTEGER_ID, maximum: MAX_INTEGER_ID }),
      ],
      { error: (issue) => idProblem(issue.input) ?? `must be ${RULES.id}` },
    )
    .meta({ description: `${description} ${capitalize(RULES.id)}.` });

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Who did something (an analyst, `changed_by`): contract text of at most `max` characters, not only spaces. */
export const whoText = (max: number) => {
  const rule = `must be 1 to ${max} characters of valid Unicode without control characters, not only spaces`;
  return z
    .string({ error: rule })
    .meta({ minLength: 1, maxLength: max, pattern: ID_PATTERN })
    .superRefine(
      fromProblem((text: string) => (textProblem(text, max) === undefined && /\S/.test(text) ? undefined : rule)),
    );
};
