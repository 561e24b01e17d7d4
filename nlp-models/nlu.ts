import { recognizeIntent, type IntentMatch } from './intents/recognizer.js';
import { loadTopicClassifier, type MessageParts, type TopicClassifier, type TopicScore } from './topics/classifier.js';
import { createNlpContainer, topicComponent, type NlpContainer } from './topics/nlu.js';

/** The intent recogniser's name in the nlp.js container. */
export const INTENT_COMPONENT = 'tingmin-intents';

/** The intent recogniser shaped as an nlp.js component. */
export class IntentComponent {
  readonly name = INTENT_COMPONENT;
  readonly settings = { tag: INTENT_COMPONENT };

  process(utterance: string): IntentMatch | undefined {
    return recognizeIntent(utterance);
  }
}

/** The one NLU the dialogue calls: topics and intents, both components of one nlp.js container. */
export interface Nlu {
  readonly container: NlpContainer;
  classifyTopic(message: string | MessageParts): TopicScore[];
  recognizeIntent(text: string): IntentMatch | undefined;
  /** Swaps the topic model in place (a retrained one): no restart, the next message uses it. */
  useTopicClassifier(classifier: TopicClassifier): void;
}

/** The topic model: a classifier already loaded, or a model file (absent: the shipped one). */
export async function loadNlu(topicModel?: string | TopicClassifier): Promise<Nlu> {
  const classifier = typeof topicModel === 'object' ? topicModel : await loadTopicClassifier(topicModel);
  const container = await createNlpContainer(classifier);
  container.use(new IntentComponent(), INTENT_COMPONENT);
  const topics = topicComponent(container);
  const intents = container.get(INTENT_COMPONENT) as IntentComponent;
  return {
    container,
    classifyTopic: (message) => topics.classifier.classify(message),
    recognizeIntent: (text) => intents.process(text),
    useTopicClassifier: (next) => {
      topics.classifier = next;
    },
  };
}
