declare module '@nlpjs/basic';
