declare module '@nlpjs/core-loader';
declare module '@nlpjs/nlp';
