/**
 * The only module that touches nlp.js. It trains nlp.js's NeuralNlu (one perceptron per label) on
 * our own Chinese features instead of the stock pipeline, and runs the synchronous half of
 * NeuralNlu's process pipeline so that classifying needs no await.
 */
import { containerBootstrap, Nlp } from '@nlpjs/basic';
import type { FeatureBag } from './features.js';

export type NluScore = { intent: string; score: number };
export type NluJson = Record<string, unknown>;
export type NluTrainingItem = { features: FeatureBag; label: string };

/** The part of nlp.js's NeuralNlu (untyped JavaScript) that this module uses. */
interface NeuralNlu {
  settings: Record<string, unknown>;
  train(corpus: { utterance: string; intent: string }[]): Promise<unknown>;
  toJSON(): NluJson;
  fromJSON(json: NluJson): void;
  defaultPipelinePrepare(input: { text: string }): FeatureBag;
  textToFeatures(input: ProcessInput): ProcessInput;
  innerProcess(input: ProcessInput): ProcessInput;
  filterNonActivated(input: ProcessInput): ProcessInput;
  normalizeClassifications(input: ProcessInput): ProcessInput;
}
type ProcessInput = { tokens: FeatureBag; settings: Record<string, unknown>; classifications?: NluScore[] };

export type NluTrainSettings = { learningRate: number };

async function createNeuralNlu(settings: Record<string, unknown>): Promise<NeuralNlu> {
  // As DESIGN §5: no model.nlp written to disk, no log line per epoch.
  const container = await containerBootstrap({ settings: { nlp: { autoSave: false, autoLoad: false, nlu: { log: false } } } });
  container.use(Nlp); // registers NeuralNlu (and the rest of nlp.js) in the container
  return container.get('NeuralNlu', { locale: 'zh', log: false, ...settings }) as NeuralNlu;
}

/** Weights to 4 significant digits (they are float32 anyway), without the index nlp.js never reads back. */
function compact(json: NluJson): NluJson {
  const { featuresToIntent: _unused, ...rest } = json;
  const network = rest.neuralNetwork as { perceptrons: number[][] };
  const perceptrons = network.perceptrons.map((weights) => weights.map((w) => Number(w.toPrecision(4))));
  return { ...rest, neuralNetwork: { ...network, perceptrons } };
}

export class TopicNlu {
  private constructor(private readonly nlu: NeuralNlu) {}

  static async train(items: NluTrainingItem[], settings: NluTrainSettings): Promise<TopicNlu> {
    const nlu = await createNeuralNlu(settings);
    // nlp.js asks for utterances; ours are already features, so the utterance is the item's index.
    nlu.defaultPipelinePrepare = (input) => items[Number(input.text)]!.features;
    await nlu.train(items.map((item, i) => ({ utterance: String(i), intent: item.label })));
    // The trained model is the one its (rounded) JSON loads into, so a saved model answers exactly the same.
    return TopicNlu.fromJSON(compact(nlu.toJSON()));
  }

  static async fromJSON(json: NluJson): Promise<TopicNlu> {
    const nlu = await createNeuralNlu({});
    nlu.fromJSON(json);
    return new TopicNlu(nlu);
  }

  /** NeuralNlu's process pipeline minus its async text preparation; labels it cannot support are left out. */
  classify(features: FeatureBag): NluScore[] {
    const input: ProcessInput = { tokens: { ...features }, settings: this.nlu.settings };
    for (const step of ['textToFeatures', 'innerProcess', 'filterNonActivated', 'normalizeClassifications'] as const) {
      this.nlu[step](input);
    }
    return input.classifications ?? [];
  }

  toJSON(): NluJson {
    return compact(this.nlu.toJSON());
  }
}
